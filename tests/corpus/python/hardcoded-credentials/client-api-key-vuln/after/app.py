import requests

API_KEY = "k7Gq2LmP9xR4tV8w"


def fetch_rates(base):
    response = requests.get(
        "https://api.rates.example/v1/latest",
        params={"base": base},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    return response.json()
