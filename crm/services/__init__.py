"""Stateless services: ``session`` first, keyword-only arguments, ``crm.errors`` on failure.

They flush, never commit; the caller owns the transaction.
"""
