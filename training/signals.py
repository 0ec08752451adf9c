"""Signals that other apps listen to, so that training never imports them.

completion_recorded(sender=Completion, completion=Completion, actor=User | None) is sent
inside the transaction that records the completion: a receiver's writes commit or roll
back with it. Slow work (PDFs) belongs in a task enqueued on commit.
"""

from django.dispatch import Signal

completion_recorded = Signal()
