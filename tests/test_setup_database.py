# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The database scripts/setup_database.py makes on PostgreSQL"
import os
import unittest

from tests.tools import demo_database


@unittest.skipUnless(
    os.environ.get('TRYTOND_DATABASE__URI', '').startswith('postgresql'),
    "a PostgreSQL setting")
class SetupDatabaseTestCase(unittest.TestCase):

    def test_custom_plans(self):
        """A session of the database plans each prepared query with its
        parameters (the generic plans of searches ordered by a translated
        name take seconds)"""
        import psycopg

        from trytond import config
        name, _, _ = demo_database(os.environ)
        uri = config.parse_uri(os.environ['TRYTOND_DATABASE__URI'])
        with psycopg.connect(uri._replace(path='/' + name).geturl()
                ) as connection:
            self.assertEqual(connection.execute(
                    'SHOW plan_cache_mode').fetchone()[0],
                'force_custom_plan')
