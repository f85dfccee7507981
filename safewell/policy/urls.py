from __future__ import annotations

app_name = "policy"
urlpatterns: list = []
