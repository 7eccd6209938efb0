"""Groups of people a contact tracer asks about: work teams (班组), school classes (班级) and
other fixed groups, with their members (issue 19 §4: "plus household, work-team and class
members").

``selectors`` reads them inside the actor's subtree, ``access`` gets one, ``services`` creates
them and adds or removes members, ``bulk`` loads many at once (registries, the synthetic
city), ``api`` exposes them at ``/api/v1/groups`` and ``views`` (with ``forms``) as pages
under ``/people/groups/`` (the list, one group, the upload of a bulk load).
``tracing.contacts`` derives close-contact candidates from a case person's groups through
:func:`selectors.group_mates`.
"""
