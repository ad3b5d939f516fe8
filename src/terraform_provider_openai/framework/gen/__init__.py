"""Generated tfplugin6.8 stubs (scripts/gen_tfplugin.py); see framework/README.md."""
