"""What the `tf` package lacks, in one place: exact numbers and an object type (`types`), nested
attributes and full-schema state (`schema`), a lifecycle that plans creates and replacements
(`resource`, `servicer`), and a runner that behaves like a Go provider's (`runner`): sized for high
parallelism, 256 MiB messages, AutoMTLS that requires Terraform's client certificate with a
per-process in-memory server certificate (nothing written to HOME), SIGINT ignored, StopProvider
that lets calls in flight finish (`stop`) and only go-plugin's Shutdown ending the server.

README.md in this folder lists every fix with the Terraform behaviour it answers."""
