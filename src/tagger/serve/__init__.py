"""`tagger serve`: a resident tagger per vault that answers over HTTP on the loopback and keeps its model fresh.

* `state`: the state file `VAULT/.tagger/server.json` (URL, token, pid) — standard library.
* `client`: how `tagger suggest` and the hook find and ask a server, else work alone — standard library.
* `index`: the server's view of the vault's notes, kept fresh by polling — standard library.
* `http`: routing, the checks every request passes (Host, Origin, token, body), JSON errors.
* `api`: the endpoints and what they accept; `service`: the model and the answers.
* `retrain`: the watcher that retrains in a child process when tags change; `server`: start and stop.

The client side (`state`, `client`) imports nothing beyond the standard library, so a
`tagger suggest` answered by a server never loads numpy, scipy or Kiwi.
"""
