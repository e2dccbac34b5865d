from django.http import HttpRequest, JsonResponse

from backend.common.health import system_health


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while DB and Redis answer (Celery absence is "degraded"); 503 otherwise."""
    report = system_health()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
