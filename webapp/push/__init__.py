"""Web Push: the devices a driver lets us notify, what each driver wants to hear of, and what was sent.

A driver opts in per device (the browser's push subscription, RFC 8030/8291, signed with our
VAPID key, RFC 8292); the job runner sends a notification once per event of a booking, in the
driver's language, and forgets a device the push service reports gone. The e-mail reminder stays for
drivers without push.

Modules: ``models`` (devices, settings, deliveries), ``kinds`` (the kinds of notification and their
words), ``keys`` (our VAPID key pair), ``sending`` (encrypt, sign, post with httpx), ``reminders``
(which events are due and the job that sends them), ``views`` (subscribe, remove, settings).
"""
