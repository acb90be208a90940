from django.db import connection
from django.http import JsonResponse


def build_order(column, direction):
    return f"ORDER BY {column} {direction}"


def list_orders(request):
    sort = request.GET.get("sort", "created")
    direction = "DESC" if request.GET.get("desc") else "ASC"
    clause = build_order(sort, direction)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, total FROM orders " + clause
        )
        rows = cursor.fetchall()
    return JsonResponse({"orders": rows})
