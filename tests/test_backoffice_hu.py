# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The back office in Hungarian: a retail user whose language is Hungarian
walks the retail menus in the web client and finds no English string in the
menus, lists and forms they open."""
import secrets
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from . import test_browser

# The retail user's paths, by their English menu names
PRICES = ("Retail", "Product Master Data", "Prices & Credit")
MENUS = [
    ("Retail", "Products"),
    ("Retail", "Parties"),
    ("Retail", "Cash Sessions"),
    PRICES + ("Price Lists",),
    PRICES + ("Gift Cards & eWallets", "Programs"),
    PRICES + ("Gift Cards & eWallets", "Cards"),
    ("Sales", "Sales"),
    ]
# The till's reporting: graphs first, with the reporting context above them
TILL = ("Retail", "Till Sales")
GRAPHS = [
    TILL + ("Sales per Hour",),
    TILL + ("Sales per Day",),
    TILL + ("Sales per Register",),
    TILL + ("Payments per Method",),
    ]

# The visible strings of the open tab: menu entries, tab names, column
# headers, labels and the selected values of selections
VISIBLE_STRINGS = '''
const visible = e => e.offsetParent !== null;
const texts = [];
for (const e of document.querySelectorAll('#menu div[title]')) {
    texts.push(e.getAttribute('title'));
}
const selector = '#tabcontent > .active .nav-tabs a, #tablist a, '
    + '#tabcontent > .active th, #tabcontent > .active label, '
    + '#tabcontent > .active select option:checked';
for (const e of document.querySelectorAll(selector)) {
    if (visible(e) || e.tagName === 'OPTION') {
        texts.push(e.textContent);
    }
}
return texts.map(t => t.trim()).filter(t => t);
'''

# The legend of the graph of the open tab: the names of its figures
LEGEND_STRINGS = '''
const selector = '#tabcontent > .active .graph .bb-legend-item text';
return Array.from(document.querySelectorAll(selector))
    .map(e => e.textContent.trim()).filter(t => t);
'''


class BackOfficeHungarianTestCase(test_browser.WebClientTestCase):
    "A Hungarian retail user sees the back office in Hungarian"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.login_name = 'kovacs.anna'
        cls.user_password = secrets.token_urlsafe(12)
        cls.proteus(
            'User = Model.get("res.user"); Group = Model.get("res.group"); '
            'Company = Model.get("company.company"); '
            'Lang = Model.get("ir.lang"); '
            'company, = Company.find([]); '
            f'user = User(name="Kovács Anna", login={cls.login_name!r}, '
            f'password={cls.user_password!r}); '
            'user.language, = Lang.find([("code", "=", "hu")]); '
            'user.groups.extend(Group.find([("name", "in", '
            '["Retail Manager", "Cashier", "Sales"])])); '
            'user.companies.append(company); user.company = company; '
            'user.save(); print("ok")')

    def english_strings(self):
        """The English source strings that Hungarian translates otherwise:
        the labels, menus, tabs and selections of the database"""
        rows = self.admin_rpc('model.ir.translation.search_read', [
                ('lang', '=', 'hu'),
                ('type', 'in', ['field', 'model', 'selection', 'view']),
                ], 0, None, None, ['src', 'value', 'fuzzy'])
        hungarian = {
            r['value'] for r in rows if r['value'] and not r['fuzzy']}
        return {r['src'] for r in rows} - hungarian

    def menu_path(self, english):
        "The Hungarian names of the menu entry and its parents, top first"
        authorization = self.admin_session()
        menus = self.rpc('model.ir.ui.menu.search_read', [
                ('name', '=', english[-1]),
                ], 0, None, None, ['complete_name'], {},
            authorization=authorization)
        menu_id, = [m['id'] for m in menus
            if m['complete_name'] == ' / '.join(english)]
        names = []
        while menu_id:
            menu, = self.rpc('model.ir.ui.menu.read', [menu_id],
                ['name', 'parent'], {'language': 'hu'},
                authorization=authorization)
            names.insert(0, menu['name'])
            menu_id = menu['parent']
        return names

    def menu_xpath(self, name, after=None):
        "The menu entries named name, after the entry named after"
        path = '//*[@id="menu"]//tr'
        if after:
            path += f'[.//div[@title="{after}"]]/following-sibling::tr'
        return f'({path}//div[@title="{name}"])[1]'

    def open_menu(self, path):
        "Click through the menu to its entry, opening each folder once"
        parent = None
        for name in path:
            entry = self.wait(EC.element_to_be_clickable(
                    (By.XPATH, self.menu_xpath(name, after=parent))))
            if name != path[-1] and name not in self.opened_folders:
                entry.click()
                self.opened_folders.add(name)
                # its entries load after the click: wait not to take an
                # entry of the same name further down for one of them
                time.sleep(1)
            parent = name
        entry.click()

    def visible_strings(self):
        time.sleep(0.5)  # let the view finish drawing
        return set(self.driver.execute_script(VISIBLE_STRINGS))

    def walk(self, path, seen):
        "Open the menu entry, then its first record, noting the strings"
        self.open_menu(path)
        self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR,
                    '#tabcontent > .active th')))
        seen[' › '.join(path)] = self.visible_strings()
        rows = [r for r in self.driver.find_elements(By.CSS_SELECTOR,
                '#tabcontent > .active tbody tr[class]')
            if r.is_displayed()]
        if rows:
            ActionChains(self.driver).double_click(rows[0]).perform()
            self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR,
                        '#tabcontent > .active label')))
            seen[' › '.join(path) + ' (form)'] = self.visible_strings()

    def walk_graph(self, path, seen):
        """Open the menu entry of a graph, noting the strings of its tab,
        its reporting context and its legend"""
        self.open_menu(path)
        self.wait(EC.presence_of_element_located((By.CSS_SELECTOR,
                    '#tabcontent > .active .graph')))
        self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR,
                    '#tabcontent > .active label')))
        seen[' › '.join(path)] = self.visible_strings() | set(
            self.driver.execute_script(LEGEND_STRINGS))

    def test_walk_in_hungarian(self):
        "No English string in the retail menus, lists and forms"
        english = self.english_strings()
        self.assertIn("Cost Price", english)
        self.login(self.login_name, self.user_password)
        self.opened_folders = set()
        seen = {}
        for english_path in MENUS:
            path = self.menu_path(english_path)
            with self.subTest(menu=path):
                self.walk(path, seen)
        for english_path in GRAPHS:
            path = self.menu_path(english_path)
            with self.subTest(menu=path):
                self.walk_graph(path, seen)
        found = {
            where: sorted(strings & english)
            for where, strings in seen.items() if strings & english}
        self.assertEqual(found, {})
        self.assertEqual(self.script_errors(), [])


# Only the walk here: the web client's own tests run in test_browser
for _name in dir(test_browser.WebClientTestCase):
    if _name.startswith('test_'):
        setattr(BackOfficeHungarianTestCase, _name, None)
