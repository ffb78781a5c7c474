"""Who gets told, when, and why not: match state, reconcile, fan-out, the outbox's one writer, send-time checks.

- ``eligibility`` who a policy concerns, read from the committed profiles (no process keeps an index)
- ``reconcile``  a policy's or a profile's eligible set against the stored matches, and what changes
- ``outbox``     ``enqueue()``: the only writer of notification rows, every kind of message
- ``render``     messages whose words are filled in at send time
- ``digest``     the daily digest for daily subscribers
- ``dispatch``   the dispatcher: claim under a lease, check what is still true, send, record
"""
