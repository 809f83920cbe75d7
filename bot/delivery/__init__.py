"""Delivering the outbox: what each kind of message says, and the sender that sends it."""
