"""Lead lists (协查, issue 19 §6, R21): a case's contacts and companions who live in another
district, pushed there with a deadline; the receiving district locates each person and says
how it ended; persons not checked by the deadline are counted per district."""
