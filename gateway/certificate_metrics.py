"""``/metrics`` view of certificate expiry: seconds until each certificate expires and how
many are expired or expiring within the warning window.

Prometheus collects synchronously, so this reads the certificate service's last listing
(refreshed on every change and by the daily report) and computes the time left at scrape
time with the service's clock.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.certificates import CertificateService
from pki.expiry import expiry_status


class CertificateExpiryCollector(Collector):
    def __init__(self, service: CertificateService) -> None:
        self._service = service

    def collect(self) -> Iterator[Metric]:
        seconds = GaugeMetricFamily(
            "evgw_certificate_expiry_seconds",
            "Seconds until the certificate expires (negative once expired)",
            labels=["kind", "code", "role", "fingerprint"])
        expiring = GaugeMetricFamily(
            "evgw_certificates_expiring",
            f"Certificates expired or expiring within {self._service.warning_days} days")
        now = self._service.clock.now()
        count = 0
        for entry in self._service.expiry_snapshot():
            if entry.info is None:
                continue
            status = expiry_status(entry.info.not_before, entry.info.not_after, now,
                                   self._service.warning_days)
            code = entry.code if entry.kind == "system_root" else entry.platform
            seconds.add_metric(
                [entry.kind, code or "", entry.role,
                 entry.info.fingerprint_sha256.replace(":", "").lower()],
                status.seconds_left)
            count += status.expiring_soon
        expiring.add_metric([], count)
        yield seconds
        yield expiring
