# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Open a report directory's audit.html in Debian's headless Chromium (Selenium, local driver, never online).

    python browser_check.py check REPORT_DIR SCREENSHOT.png REPOSITORY
    python browser_check.py measure TAGS TAGS_PER_IMAGE OUT_DIR

check: no console errors; the summary numbers equal audit.json; the filter leaves only REPOSITORY's rows;
a digest row lists all its tags; with JavaScript off every row is there. measure: a synthetic report of TAGS
tags, its size and the time the browser takes to load it (printed, not asserted).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ['SE_OFFLINE'] = 'true'  # Selenium Manager must never look for a browser or driver online.

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = os.environ.get('IMAGEFLEET_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('IMAGEFLEET_CHROMEDRIVER', '/usr/bin/chromedriver')
WIDTH = 1400


def browser(javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-proxy-server',
                     '--user-data-dir=%s' % tempfile.mkdtemp(prefix='report-browser-'), '--window-size=%d,1000' % WIDTH):
        options.add_argument(argument)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    if not javascript:
        options.add_experimental_option('prefs', {'profile.managed_default_content_settings.javascript': 2})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    return driver


def url(path):
    return 'file://' + os.path.abspath(path)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text.strip()


def full_screenshot(driver, path):
    height = min(driver.execute_script('return document.documentElement.scrollHeight'), 8000)
    driver.set_window_size(WIDTH, height)
    driver.save_screenshot(path)
    driver.set_window_size(WIDTH, 1000)


def visible_rows(driver):
    """(repository key, row key) of every image row the page shows."""
    return driver.execute_script(
        "return [].slice.call(document.querySelectorAll('#images .g:not([hidden]) tr:not([hidden])'))"
        ".map(function(r){return [r.closest('.g').getAttribute('data-k'), r.textContent];});")


def check(report_dir, screenshot, repository):
    page = os.path.join(report_dir, 'audit.html')
    with open(os.path.join(report_dir, 'audit.json')) as handle:
        document = json.load(handle)
    summary, images = document['summary'], document['images']
    digests = {}
    for image in images:
        digests.setdefault((image['registry'], image['repository'], image['digest'] or image['src']), []).append(image)
    driver = browser()
    try:
        driver.get(url(page))
        errors = [entry for entry in driver.get_log('browser') if entry['level'] in ('SEVERE', 'ERROR')]
        assert not errors, 'console errors: %r' % errors
        # The summary says what audit.json says.
        counts = summary['counts']
        for key, element_id in (('tags', 'n-tags'), ('images', 'n-images'), ('legacy_images', 'n-legacy-images'),
                                ('legacy_tags', 'n-legacy-tags'), ('left_images', 'n-left-images'), ('left_tags', 'n-left-tags')):
            assert text(driver, element_id) == str(counts[key]), '%s: page %s, audit.json %s' % (key, text(driver, element_id), counts[key])
        for fmt in summary['formats']:
            assert text(driver, 'f-%s-tags' % fmt['format']) == str(fmt['tags'])
            assert text(driver, 'f-%s-images' % fmt['format']) == str(fmt['images'])
        assert counts['images'] == len(digests) and counts['tags'] == len(images)
        # One row per digest, with all its tags, on the first page.
        many = max(digests.values(), key=len)
        row = driver.find_element(By.XPATH, '//div[@id="images"]//tr[td[@class="digest"]/code[text()="%s"]]' % many[0]['digest'])
        listed = [code.get_attribute('textContent') for code in row.find_elements(By.CSS_SELECTOR, 'td.tags code')]
        assert sorted(listed) == sorted(i['tag'] for i in many), (listed, many)
        print('a digest row lists its %d tags: %s' % (len(listed), ' '.join(listed)))
        full_screenshot(driver, screenshot)
        # The filter: a repository's name leaves only its rows.
        box = driver.find_element(By.ID, 'q')
        box.send_keys(repository)
        shown = visible_rows(driver)
        expected = sum(1 for key in digests if key[1] == repository)
        registry = images[0]['registry']
        assert shown and all(row[0] == ('%s/%s' % (registry, repository)).lower() for row in shown), shown
        assert len(shown) == expected, (len(shown), expected)
        print('filter %r: %d rows, all of %s (%s)' % (repository, len(shown), repository, text(driver, 'shown')))
        driver.save_screenshot(screenshot.replace('.png', '-filtered.png'))
        errors = [entry for entry in driver.get_log('browser') if entry['level'] in ('SEVERE', 'ERROR')]
        assert not errors, 'console errors while filtering: %r' % errors
    finally:
        driver.quit()
    # Without JavaScript: every row is in the page and shown.
    driver = browser(javascript=False)
    try:
        driver.get(url(page))
        rows = driver.find_elements(By.CSS_SELECTOR, '#images tr')
        hidden = driver.find_elements(By.CSS_SELECTOR, '#images [hidden]')
        assert len(rows) == len(digests) and not hidden, (len(rows), len(digests), len(hidden))
        assert text(driver, 'shown') == '%d rows' % len(digests)
        print('JavaScript off: all %d rows present, none hidden' % len(rows))
    finally:
        driver.quit()
    print('screenshots: %s and %s' % (screenshot, screenshot.replace('.png', '-filtered.png')))


def synthetic_records(tags, tags_per_image):
    """`tags` schema 1 records, `tags_per_image` tags per digest, 40 namespaces, layers sharing one base."""
    records = []
    images = tags // tags_per_image
    for index in range(images):
        repository = 'team-%02d/app-%04d' % (index % 40, index)
        digest = 'sha256:%064x' % (index + 1)
        layers = [{'digest': 'sha256:' + 'b' * 64, 'size': 30 << 20}, {'digest': 'sha256:%064x' % (10 ** 6 + index), 'size': 5 << 20}]
        for tag in range(1, tags_per_image + 1):
            src = 'registry.example.com/%s:%d' % (repository, tag)
            records.append({
                'src': src, 'dest': 'registry.example.com/converted/%s:%d' % (repository, tag), 'target_format': 'v2s2',
                'registry': 'registry.example.com', 'repository': repository, 'tag': str(tag), 'exists': True, 'format': 'v2s1',
                'digest': digest, 'dest_exists': False, 'dest_format': None, 'dest_digest': None, 'status': 'needs_conversion',
                'needs_conversion': True, 'created': '%d-06-01T00:00:00Z' % (2014 + index % 8), 'layers': layers})
    return records


def measure(tags, tags_per_image, out_dir):
    from ansible_collections.imagefleet.registry.plugins.module_utils._reports.writers import render_all

    started = time.monotonic()
    files = render_all(synthetic_records(tags, tags_per_image), '2026-01-01T00:00:00Z')
    render_seconds = time.monotonic() - started
    os.makedirs(out_dir, exist_ok=True)
    for name in ('audit.html', 'audit.json', 'audit.md'):
        with open(os.path.join(out_dir, name), 'w') as handle:
            handle.write(files[name])
    sizes = dict((name, os.path.getsize(os.path.join(out_dir, name))) for name in ('audit.html', 'audit.json', 'audit.md'))
    driver = browser()
    try:
        started = time.monotonic()
        driver.get(url(os.path.join(out_dir, 'audit.html')))
        # Bounded wait for the load event (driver.get may return a little earlier on a large file).
        WebDriverWait(driver, 120, poll_frequency=0.05).until(
            lambda d: d.execute_script("var t=performance.getEntriesByType('navigation')[0];return t&&t.loadEventEnd>0;"))
        wall = time.monotonic() - started
        timing = driver.execute_script(
            "var t=performance.getEntriesByType('navigation')[0];var p=performance.getEntriesByType('paint');"
            "return {dcl:t.domContentLoadedEventEnd,load:t.loadEventEnd,"
            "fcp:(p.filter(function(e){return e.name=='first-contentful-paint'})[0]||{}).startTime};")
        errors = [entry for entry in driver.get_log('browser') if entry['level'] == 'SEVERE']
        driver.save_screenshot(os.path.join(out_dir, 'measure.png'))
    finally:
        driver.quit()
    print('measure: %d tags (%d per image): audit.html %d bytes, audit.json %d bytes, audit.md %d bytes; rendered by python in %.2f s; '
          'browser: first contentful paint %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, until the load event seen by the test %.2f s; '
          'console errors: %d' % (
              tags, tags_per_image, sizes['audit.html'], sizes['audit.json'], sizes['audit.md'], render_seconds,
              timing['fcp'] or -1, timing['dcl'], timing['load'], wall, len(errors)))


def main(argv):
    if argv[0] == 'check':
        check(argv[1], argv[2], argv[3])
    elif argv[0] == 'measure':
        measure(int(argv[1]), int(argv[2]), argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
