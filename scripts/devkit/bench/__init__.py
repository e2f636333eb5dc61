"""The benchmarks (loopback and AWS-shaped) and the rendering of their results into docs/performance.md."""
