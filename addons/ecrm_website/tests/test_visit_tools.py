from odoo.tests import BaseCase, tagged

from ..tools.visit import (
    clip,
    decode_landing,
    encode_landing,
    host_name,
    is_external_referrer,
    page_path,
    summary_pages,
)


@tagged("post_install", "-at_install", "ecrm_website")
class TestVisitTools(BaseCase):
    def test_external_referrer(self):
        self.assertTrue(is_external_referrer("https://www.google.com/search?q=x", "shop.example.com"))
        self.assertTrue(is_external_referrer("android-app://com.google.android.gm/", "example.com"))
        self.assertFalse(is_external_referrer("https://www.example.com/shop", "example.com:8069"))
        self.assertFalse(is_external_referrer("http://EXAMPLE.com/", "www.example.com"))
        self.assertFalse(is_external_referrer("/shop", "example.com"), "a relative referrer is ours")
        self.assertFalse(is_external_referrer("", "example.com"))
        self.assertFalse(is_external_referrer(None, "example.com"))
        self.assertFalse(is_external_referrer("https://[bad/", "example.com"))
        self.assertEqual(host_name("127.0.0.1:8069"), "127.0.0.1")

    def test_summary_pages(self):
        urls = ["http://x.com/shop?page=2", "http://x.com/", "http://x.com"] + [f"http://x.com/p{i}" for i in range(5)]
        paths, more = summary_pages(urls)
        self.assertEqual(paths, ["/shop", "/", "/", "/p0", "/p1"])
        self.assertEqual(more, 3)
        self.assertEqual(summary_pages(urls[:1]), (["/shop"], 0))
        self.assertEqual(page_path("https://x.com/a/b#top"), "/a/b")

    def test_clip(self):
        self.assertIsNone(clip("   "))
        self.assertIsNone(clip(["not", "text"]))
        self.assertEqual(clip(" abc ", 2), "ab")

    def test_landing_cookie_round_trip(self):
        value = encode_landing(42, "https://www.bing.com/search?q=کاناپه", "کاناپه", 1700000000.7)
        self.assertRegex(value, r"^[A-Za-z0-9_-]+$", "a cookie value that needs no quoting")
        self.assertEqual(
            decode_landing(value),
            {
                "track": 42,
                "time": 1700000000,
                "referrer": "https://www.bing.com/search?q=کاناپه",
                "keywords": "کاناپه",
            },
        )

    def test_landing_cookie_forged(self):
        """Whatever the browser sends, decoding gives our dict or None, never an error."""
        forged = [
            None,
            "",
            "not base64 !",
            "bm90IGpzb24",
            encode_landing(0, None, None, 1),
            "W10",  # []
            "eyJ0cmFjayI6InNldmVuIiwidGltZSI6MX0",  # {"track":"seven","time":1}
            "eyJ0cmFjayI6dHJ1ZSwidGltZSI6MX0",  # {"track":true,"time":1}
            "x" * 10000,
        ]
        for value in forged:
            self.assertIsNone(decode_landing(value), value)
        landing = decode_landing(encode_landing(7, {"url": 1}, "k" * 600, 1))
        self.assertIsNone(landing["referrer"], "a referrer that is not text is dropped")
        self.assertEqual(len(landing["keywords"]), 512)
