# Settings of this environment that byok does not render.
disposable = false
