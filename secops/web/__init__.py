"""The local web console served by ``secops dashboard``: server, security checks, static assets."""
