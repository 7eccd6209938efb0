"""Cases reported before Fangkong was in use (补录), imported from the national notifiable
disease direct reporting system's export.

``reading`` checks a file and finds its persons in the actor's subtree, ``services`` opens the
cases (all or nothing, dry run, the same file twice opens nothing more), ``api`` exposes it at
``POST /api/v1/cases/imports`` and ``views`` (with ``forms``) as the page
``/cases/import/``, linked from the case list.
"""
