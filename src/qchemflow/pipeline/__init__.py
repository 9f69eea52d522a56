"""The workflow's side: stages (files in, files out), the CLI, config validation, stage
settings and job resource requests. May import every layer.
"""
