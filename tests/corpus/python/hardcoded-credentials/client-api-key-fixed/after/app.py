import os

import requests

API_KEY = os.environ.get("RATES_API_KEY", "")


def fetch_rates(base):
    response = requests.get(
        "https://api.rates.example/v1/latest",
        params={"base": base},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    return response.json()
