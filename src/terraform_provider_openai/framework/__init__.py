"""What the `tf` package lacks, in one place: exact numbers and an object type (`types`), nested
attributes and full-schema state (`schema`), a lifecycle that plans creates and replacements
(`resource`, `servicer`), and a runner sized for high parallelism that needs no writable HOME
(`runner`)."""
