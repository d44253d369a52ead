"""Every write to people and organisations, one module per concern (keyword-only, atomic, ``<entity>_<action>``).

Import from the module that owns a write, never from this package: it re-exports nothing.

- ``organisation``: regions, committees, people and memberships, one record at a time
- ``staff``: staff roles (grant, revoke, sync their permissions)
- ``accounts``: activation codes, texted password resets, staff unlocking and resetting an account
- ``api_accounts``: accounts and tokens of other systems using the API
- ``notices``: on-site notices, the emails and text messages that carry them
- ``roster_import``: the roster import's lifecycle (upload, confirm, run)
- ``outbox``: background jobs kept while the broker is down
- ``idempotency``: writes a phone sends again after being offline, run once per key

Pure helpers stay beside the models: ``people.access_codes`` (code text and activation links), ``people.roster``
(reading and checking roster files)."""
