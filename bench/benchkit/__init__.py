"""Shared pieces of the benchmarks in bench/: records and statistics, the
machine and versions they ran on, tables, the out-of-process simulator and the
os-brick driver process."""
