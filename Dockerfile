# syntax=docker/dockerfile:1
# eCRM for Odoo on the official Odoo 18.0 image (Ubuntu 24.04 "noble", system
# Python 3.12, Odoo in /usr/lib/python3/dist-packages/odoo, runs as user odoo).
#
#   /opt/ecrm/addons    the eCRM addons (on the addons_path of odoo.conf)
#   /opt/ecrm/scripts   scripts/run, scripts/test, ...
#   /opt/ecrm/tests     pure-Python tests (pytest)
#
# The addons are not copied to /mnt/extra-addons: the base image declares it a
# VOLUME, and Compose keeps a container's anonymous volumes when it recreates
# it, so a rebuilt image would keep serving the old addons. /mnt/extra-addons
# stays on the addons_path for your own extra addons.
FROM odoo:18

USER root

# Chrome for Odoo's HttpCase browser tests (docker compose run --rm test).
# Ubuntu's chromium package is only a snap stub, so install Google's .deb;
# it exists for amd64 only: elsewhere the browser tests are skipped.
ARG TARGETARCH
RUN set -eux; \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}"; \
    if [ "$arch" = amd64 ]; then \
        curl -fsSL -o /tmp/chrome.deb https://dl.google.com/linux/direct/google-chrome-stable_current_amd64.deb; \
        apt-get update; \
        apt-get install -y --no-install-recommends /tmp/chrome.deb; \
        rm -rf /tmp/chrome.deb /var/lib/apt/lists/*; \
    else \
        echo "no Chrome for $arch: HttpCase browser tests will be skipped"; \
    fi

# Python packages beyond Odoo's own (system Python: PEP 668 needs the flag)
COPY requirements.txt /opt/ecrm/requirements.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /opt/ecrm/requirements.txt

COPY addons /opt/ecrm/addons
COPY scripts /opt/ecrm/scripts
COPY tests /opt/ecrm/tests
RUN chmod 0755 /opt/ecrm/scripts/run /opt/ecrm/scripts/test /opt/ecrm/scripts/check_install_uninstall.py

USER odoo
