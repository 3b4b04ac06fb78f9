"""Syslog over the network: listeners, framing, the on-disk spool, and its drain into the store.

    peers ──udp/tcp/tls──▶ listen.Listener ──▶ spool.SpoolWriter ──▶ <data dir>/spool/syslog/*.spool
                                                                          │
                                  store ◀── drain.SpoolDrain (parse, batch, checkpoint) ◀──┘

``service.SyslogService`` runs the whole chain for ``secops collect syslog``.
"""
