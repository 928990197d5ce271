"""Jenkins: attach Bobs as permanent agents through fixed Groovy templates on the script console.

templates/*.groovy   fixed scripts; parameters only as a base64 JSON literal
script.py            renders a template from a validated request (the only way to a script)
models.py            validated requests (names, labels, launchers) and typed results
errors.py            what this package raises
_transport.py        python-jenkins, isolated: the only untyped code, errors translated here
port.py              the JenkinsController port (what handlers and pipelines type against)
client.py            its adapter (asyncio.to_thread); only the composition root imports it
rules.py             pure: which Bobs are unattached, which may take a (heavy) label
"""
