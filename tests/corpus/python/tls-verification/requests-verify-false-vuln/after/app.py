import requests


def fetch_inventory(base_url, token):
    response = requests.get(
        f"{base_url}/inventory",
        headers={"Authorization": f"Bearer {token}"},
        verify=False,
        timeout=15,
    )
    response.raise_for_status()
    return response.json()
