"""WebSub (W3C, formerly PubSubHubbub) push: news as soon as a publisher's hub sends it.

- :mod:`~newsflow.websub.discovery`: the hub and topic a polled feed declares;
- :mod:`~newsflow.websub.subscriber`: subscription requests to hubs, lease renewal,
  unsubscription of feeds that left the feed list, the fallback poll filter;
- :mod:`~newsflow.websub.callback`: what the callback endpoint answers (intent verification,
  signed content distribution → pending entries);
- :mod:`~newsflow.websub.server`: the ASGI app and ``newsflow serve-websub`` (the endpoint,
  in-process processing of pushed entries, periodic renewal).

Push is opt-in (setting ``websub_callback_url``); without it polling goes on as before.
"""
