from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "safewell.bench"
    label = "bench"
    verbose_name = "Benchmarks"
