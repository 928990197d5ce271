"""The Slack front end: a Bolt app over Socket Mode or HTTP, in the process that runs the jobs.

app        Bolt listeners: /bob, mentions, Confirm/Cancel buttons (thin: parse, then dispatch)
commands   the dispatch table from request type to handler, audit
access     who may run what, from the config's access section and Slack user groups
guard      access control as Bolt middleware: every request checked before any listener
confirm    pending confirmations for destructive commands, with expiry
buttons    posting a plan with Confirm/Cancel, answering the clicks, expiring it
view       a job's progress as a pure model fed by runner events
blocks     Block Kit and plain-text renderings of views, plans and confirmations
deliver    posting to Slack that survives 429s and outages
progress   one job's thread: parent message edited at most once per interval, replies
service    jobs started from Slack, resume at start-up, graceful shutdown
server     the HTTP route and Socket Mode front doors
serve      Slack's part of ``bob serve`` (bot.serving composes it with the board)
"""
