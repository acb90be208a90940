import os

import requests


def fetch_inventory(base_url, token):
    response = requests.get(
        f"{base_url}/inventory",
        headers={"Authorization": f"Bearer {token}"},
        verify=os.environ.get("INVENTORY_CA_BUNDLE", True),
        timeout=15,
    )
    response.raise_for_status()
    return response.json()
