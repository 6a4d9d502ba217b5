"""The operator's command line, for the helpdesk's scripts and for incidents:
`python -m chalicelib.cli --help` lists every command, `python -m chalicelib.cli <command>
--help` explains one. It calls the same domain functions and writes the same audit trail as the
pages; `--stage prod` points it at a deployed stage (stage.py reads the stack's outputs)."""
