"""Automation rules: when something happens to a lead, if it matches, act by itself.

``spec`` says what a rule is, ``records`` turns what happened into durable rows at commit,
``engine`` runs the rules of one row, ``runner`` takes rows after commit, ``timers`` writes
the timed ones (idle deals, overdue tasks), ``admin`` is what ``/rules`` calls.
"""
