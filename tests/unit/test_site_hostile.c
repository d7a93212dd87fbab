/*
 * test_site_hostile: hostile input to the site module.  Each hostile
 * document must fail with one clear message, print nothing of libxml2's own
 * to stderr, and neither crash nor hang.
 */
#include "site_fixture.h"

/* ---- hostile input ----------------------------------------------------- */

/*
 * Run @fn with stderr pointing at a temp file, and fail if anything was
 * written there: libxml2 must never print on its own.
 */
static int quietly(void **state, const char *xml, size_t len, struct diag *d, struct site **out)
{
	FILE *tmp = tmpfile();
	struct stat st;
	int saved;
	int ret;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	ret = load_len(state, xml, len, d, out);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(fstat(fileno(tmp), &st), 0);
	if (st.st_size != 0) {
		char buf[512] = "";

		rewind(tmp);
		if (!fgets(buf, sizeof(buf), tmp))
			buf[0] = '\0';
		print_message("stderr was written to: %s\n", buf);
		fail();
	}
	fclose(tmp);
	return ret;
}

/* @xml must fail with exactly one error, saying @substr, and print nothing itself. */
static void expect_refused_len(void **state, const char *xml, size_t len, const char *substr)
{
	struct site *s = NULL;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = quietly(state, xml, len, &d, &s);
	if (ret != -EINVAL || d.n_recs != 1 || !strstr(d.recs[0].msg, substr)) {
		print_message("expected one error with '%s', got %d:\n", substr, ret);
		print_recs(&d);
		fail();
	}
	assert_null(s);
	/* One line, whatever the input held. */
	assert_null(strchr(d.recs[0].msg, '\n'));
	assert_null(strchr(d.recs[0].msg, '\r'));
	diag_release(&d);
}

static void expect_refused(void **state, const char *xml, const char *substr)
{
	expect_refused_len(state, xml, strlen(xml), substr);
}

static void test_site_hostile_entities(void **state)
{
	static const char *const docs[] = {
		/* external entity to a file */
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* to the network */
		"<!DOCTYPE x [<!ENTITY e SYSTEM \"http://192.0.2.1/x\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* an external DTD */
		"<!DOCTYPE site SYSTEM \"http://192.0.2.1/site.dtd\">\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		"<!DOCTYPE site PUBLIC \"-//x//y\" \"file:///etc/passwd\">\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		/* parameter entities */
		"<!DOCTYPE x [<!ENTITY % p SYSTEM \"http://192.0.2.1/p.dtd\"> %p;]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		"<!DOCTYPE x [<!ENTITY % p \"<!ENTITY e 'x'>\"> %p;]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* billion laughs */
		"<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&lol9;</banner></server>"),
		/* an empty DOCTYPE is a DOCTYPE too */
		"<!DOCTYPE site>\n" SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		expect_refused(state, docs[i], "a DOCTYPE is not allowed in a site description");
}

static void test_site_hostile_doctype_line(void **state)
{
	struct site *s = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(quietly(state, "<?xml version=\"1.0\"?>\n\n<!DOCTYPE site>\n<site/>", 42,
				 &d, &s), -EINVAL);
	assert_int_equal(d.n_recs, 1);
	assert_int_equal(d.recs[0].line, 3);
	diag_release(&d);
}

static void test_site_hostile_undeclared_entity(void **state)
{
	expect_refused(state, VSFTPD("<banner>&e;</banner>"), "entity '&e;' is not defined");
	expect_refused(state, VSFTPD("<config path=\"/etc/&e;\"/>"), "entity '&e;' is not defined");
	/* A bare '&' */
	expect_refused(state, VSFTPD("<banner>Tom & Jerry</banner>"), "not well-formed XML");
}

/* Control characters and line breaks, by reference, in every string that reaches a daemon. */
static void test_site_hostile_control_chars(void **state)
{
	static const char *const refs[] = {
		"&#10;", "&#13;", "&#9;", "&#xA;", "&#x85;", "&#x9B;", "&#x2028;", "&#x2029;",
		"&#127;", "\xc2\x85", "\xe2\x80\xa8",
	};
	char xml[512];

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		snprintf(xml, sizeof(xml), VSFTPD("<banner>hi%sthere</banner>"), refs[i]);
		expect_refused(state, xml, "banner contains a control character or line break");
		snprintf(xml, sizeof(xml), VSFTPD("<config path=\"/etc/a%s.conf\"/>"), refs[i]);
		expect_refused(state, xml, "config path contains a control character or line break");
		snprintf(xml, sizeof(xml), VSFTPD("<config reload=\"systemctl%sreload x\"/>"),
			 refs[i]);
		expect_refused(state, xml, "reload command contains a control character");
		snprintf(xml, sizeof(xml), VSFTPD("<tls cert=\"/etc/%s.pem\"/>"), refs[i]);
		expect_refused(state, xml, "cert contains a control character");
		snprintf(xml, sizeof(xml),
			 VSFTPD("<users anonymous=\"yes\" anonymous-root=\"/srv/%s\"/>"), refs[i]);
		expect_refused(state, xml, "anonymous-root contains a control character");
	}
	/* A raw newline inside an attribute value is normalized to a space by XML. */
	expect_refused(state, VSFTPD("<config path=\"/etc/a\n.conf\"/>"), "contains a space");
	/* C0 controls other than tab, CR and LF are not XML at all. */
	expect_refused(state, VSFTPD("<banner>a&#1;b</banner>"),
		       "character reference to U+0001, which XML does not allow");
	expect_refused(state, VSFTPD("<banner>a&#0;b</banner>"), "not well-formed XML");
	expect_refused(state, VSFTPD("<banner>a&#x1b;[31mb</banner>"), "U+001B");
}

static void test_site_hostile_encoding(void **state)
{
	static const char utf16le[] = "\xff\xfe<\0s\0i\0t\0e\0/\0>\0";
	static const char utf16be[] = "\xfe\xff\0<\0s\0i\0t\0e\0/\0>";
	static const char utf16_nobom[] = "<\0?\0x\0m\0l\0 \0";
	static const char utf32[] = "\0\0\0<";
	static const char ebcdic[] = "\x4c\x6f\xa7\x94\x93";
	static const char nul_inside[] = "<site name=\"t\"\0 version=\"1\"/>";

	expect_refused(state, VSFTPD("<banner>caf\xff\xfe</banner>"),
		       "not valid UTF-8 (bytes 0xFF 0xFE");
	/* An overlong '/' and a surrogate in UTF-8 */
	expect_refused(state, VSFTPD("<banner>\xc0\xaf</banner>"), "not valid UTF-8");
	expect_refused(state, VSFTPD("<banner>\xed\xa0\x80</banner>"), "not well-formed XML");
	expect_refused_len(state, utf16le, sizeof(utf16le) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf16be, sizeof(utf16be) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf16_nobom, sizeof(utf16_nobom) - 1,
			   "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf32, sizeof(utf32) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, ebcdic, sizeof(ebcdic) - 1, "the file is EBCDIC");
	/* Declared encodings would switch libxml2's converters on; they print to stderr. */
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		       VSFTPD("<banner>caf\xe9</banner>"), "declares encoding 'ISO-8859-1'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n"
		       VSFTPD("<banner>\xff\xff\x8e</banner>"), "declares encoding 'EUC-JP'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
		       VSFTPD(""), "declares encoding 'UTF-16'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"x-nonsense\"?>\n"
		       VSFTPD(""), "declares encoding 'x-nonsense'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"a\nb\"?>\n" VSFTPD(""),
		       "not well-formed XML");
	/* A NUL byte in the middle */
	expect_refused_len(state, nul_inside, sizeof(nul_inside) - 1, "not well-formed XML");
}

static void test_site_hostile_size(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	struct site *s = NULL;
	struct diag d;
	char *big;
	int fd;

	/* 50 MB on disk: refused by its size, before it is read. */
	snprintf(path, sizeof(path), "%s/big.xml", f->tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "<site", 5), 5);
	assert_int_equal(ftruncate(fd, 50 * 1000 * 1000), 0);
	close(fd);
	assert_true(50u * 1000 * 1000 > SITE_MAX_BYTES);
	diag_init(&d);
	assert_int_equal(site_load(path, f->schema, &d, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(d.n_recs, 1);
	assert_non_null(strstr(d.recs[0].msg, "file is 50000000 bytes, more than a site"));
	diag_release(&d);
	unlink(path);

	/* A stream with no size (a character device) is cut at the limit. */
	diag_init(&d);
	assert_int_equal(site_load("/dev/zero", f->schema, &d, &s), -EINVAL);
	assert_int_equal(d.n_recs, 1);
	assert_non_null(strstr(d.recs[0].msg, "more than a site description may be"));
	diag_release(&d);

	/* A buffer one byte over the limit. */
	big = malloc(SITE_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, ' ', SITE_MAX_BYTES + 1);
	expect_refused_len(state, big, SITE_MAX_BYTES + 1, "more than a site description may be");
	free(big);
}

static void test_site_hostile_deep_nesting(void **state)
{
	size_t n = 100000;
	const char *head = "<site name=\"t\" version=\"1\">";
	size_t size = strlen(head) + n * 7 + 16;
	char *xml = malloc(size);
	char *p;

	assert_non_null(xml);
	p = xml + sprintf(xml, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "<a>");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "</a>");
	p += sprintf(p, "</site>");
	expect_refused_len(state, xml, (size_t)(p - xml), "elements nest more than 256 deep");
	free(xml);
}

static void test_site_hostile_many_attributes(void **state)
{
	size_t n = 100000;
	size_t size = n * 24 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	/* On the root, on an unknown element, and as namespace declarations. */
	for (int kind = 0; kind < 3; kind++) {
		off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\"%s",
				       kind == 0 ? "" : "><server name=\"a\" daemon=\"vsftpd\"/>\n<x");
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off,
						kind == 2 ? " xmlns:a%zu='u'" : " a%zu='x'", i);
		off += (size_t)snprintf(xml + off, size - off, "%s</site>",
					kind == 0 ? "><server name=\"a\" daemon=\"vsftpd\"/>" : "/>");
		expect_refused_len(state, xml, off, kind == 2 ? "more than 16 namespace declarations"
						       : "an element has more than 32 attributes");
	}
	free(xml);
	/* Quoted '=' and '>' are values, not attributes. */
	site_free(expect_ok(state, VSFTPD(
		"<config reload=\"env A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11 L=12 M=13 "
		"N=14 O=15 P=16 Q=17 R=18 S=19 T=20 U=21 V=22 W=23 X=24 Y=25 Z=26 a=1 b=2 c=3 "
		"d=4 e=5 f=6 g=7 h=8 systemctl reload vsftpd &gt; /dev/null\"/>")));
}

static void test_site_hostile_flood_of_errors(void **state)
{
	size_t n = 200000;
	size_t size = n * 4 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\"><server name=\"a\" "
			       "daemon=\"vsftpd\"><banner>");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, size - off, "&u;");
	off += (size_t)snprintf(xml + off, size - off, "</banner></server></site>");
	/* libxml2 reports each one; the first is enough. */
	expect_refused_len(state, xml, off, "entity '&u;' is not defined");
	free(xml);
}

/* The schema validator joins text pieces with strcat: quadratic in their number. */
static void test_site_hostile_text_pieces(void **state)
{
	size_t n = 100000;
	size_t size = n * 8 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	for (int kind = 0; kind < 2; kind++) {
		off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">\n<server "
				       "name=\"a\" daemon=\"vsftpd\"><banner>");
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off, kind ? "x<?a?>" : "x<!---->");
		off += (size_t)snprintf(xml + off, size - off, "</banner></server></site>");
		expect_refused_len(state, xml, off, "the text of <banner> is cut into more than 64 "
				   "pieces");
	}
	free(xml);
	/* Comments between elements are not text pieces. */
	site_free(expect_ok(state, VSFTPD("<allow><!-- a --><network>192.0.2.0/24</network>"
					  "<!-- b --><network>198.51.100.0/24</network><!-- c -->"
					  "</allow><banner>a<!-- x -->b<?y?>c</banner>")));
}

static void test_site_hostile_long_values(void **state)
{
	size_t n = 8 * 1024 * 1024;
	char *xml = malloc(n + 256);
	size_t off;

	assert_non_null(xml);
	off = (size_t)sprintf(xml, "<site name=\"");
	memset(xml + off, 'a', n);
	off += n;
	off += (size_t)sprintf(xml + off, "\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/>"
			       "</site>");
	/* The message quotes the value, but not all of it. */
	expect_refused_len(state, xml, off, "...\" on <site> is not valid; write a letter");
	free(xml);
}

/* XInclude is never processed: an <xi:include> is an element the schema refuses. */
static void test_site_hostile_xinclude(void **state)
{
	expect_refused(state, "<site name=\"t\" version=\"1\" "
		       "xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
		       "<server name=\"a\" daemon=\"vsftpd\"><banner><xi:include href=\"/etc/passwd\" "
		       "parse=\"text\"/></banner></server></site>",
		       "<xi:include> inside <banner>, which holds only text; remove the element");
	expect_refused(state, "<site name=\"t\" version=\"1\" "
		       "xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
		       "<xi:include href=\"/etc/passwd\"/>"
		       "<server name=\"a\" daemon=\"vsftpd\"/></site>",
		       "<xi:include> is in the namespace 'http://www.w3.org/2001/XInclude', and a "
		       "site description uses none");
}

/*
 * libxml2 scans every namespace declaration in scope for each element: a
 * few hundred of them over millions of elements took 20 s.  A site needs
 * none but xmlns:xsi, whose schema hints are never followed.
 */
static void test_site_hostile_namespaces(void **state)
{
	size_t size = 64 * 1024;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">");
	for (int depth = 0; depth < 10; depth++) {
		off += (size_t)snprintf(xml + off, size - off, "<e");
		for (int i = 0; i < 10; i++)
			off += (size_t)snprintf(xml + off, size - off, " xmlns:p%d=\"u\"", i);
		off += (size_t)snprintf(xml + off, size - off, ">");
	}
	off += (size_t)snprintf(xml + off, size - off, "<x/><x/></e></e></e></e></e></e></e></e>"
				"</e></e></site>");
	expect_refused_len(state, xml, off, "more than 16 namespace declarations");
	free(xml);
	site_free(expect_ok(state, "<site xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			    "xsi:noNamespaceSchemaLocation=\"http://192.0.2.1/site.xsd\" name=\"t\" "
			    "version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/></site>"));
}

/*
 * A processing instruction is addressed to an application, and ftpcfg has
 * none: it is ignored, like a comment, and never reaches a value.  CDATA is
 * plain text, checked like any other.
 */
static void test_site_hostile_pi_and_cdata(void **state)
{
	struct site *s;

	s = expect_ok(state, "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"http://192.0.2.1/x\"?>\n"
		      SITE("<?evil rm -rf /?><server name=\"a\" daemon=\"vsftpd\">"
			   "<banner>Hi<?pi x?> there</banner></server>"));
	assert_string_equal(s->servers[0].banner, "Hi there");
	site_free(s);
	s = expect_ok(state, VSFTPD("<banner><![CDATA[Hi <b>&amp; there]]></banner>"));
	assert_string_equal(s->servers[0].banner, "Hi <b>&amp; there");
	site_free(s);
	s = expect_ok(state, VSFTPD("<banner>Hi<!-- a comment --> there</banner>"));
	assert_string_equal(s->servers[0].banner, "Hi there");
	site_free(s);
	expect_refused(state, VSFTPD("<banner><![CDATA[Hi\nthere]]></banner>"),
		       "banner contains a control character or line break");
	expect_refused(state, VSFTPD("<banner>Hi<![CDATA[\r]]>there</banner>"),
		       "banner contains a control character or line break");
	/* A PI target may not be "xml" past the start. */
	expect_refused(state, VSFTPD("<?xml version=\"1.0\"?>"), "not well-formed XML");
}

static void test_site_hostile_banner_too_long(void **state)
{
	char xml[1024];
	char banner[300];

	memset(banner, 'x', sizeof(banner) - 1);
	banner[sizeof(banner) - 1] = '\0';
	snprintf(xml, sizeof(xml), VSFTPD("<banner>%s</banner>"), banner);
	expect_refused(state, xml, "banner is 299 bytes long; keep it under 256");
}

/*
 * The marker that stands for a plain run of networks (site.c) is the
 * site's own processing instruction when the site writes it; and runs
 * by the ten thousand inside a comment or a processing instruction cost
 * at most one more parse.
 */
static void test_site_hostile_plain_runs(void **state)
{
	static const char run[] = "x</network>\n<network>192.0.2.0/24</network>\n-\n";
	size_t n = 20000;
	size_t size = n * sizeof(run) + 512;
	char *xml = malloc(size);
	struct site *s;
	size_t off;

	assert_non_null(xml);
	s = expect_ok(state, VSFTPD("<allow><network>10.0.0.0/8</network><?ftpcfg-plain-run 0?>\n"
				    "<network>198.51.100.0/24</network>\n</allow>"));
	assert_int_equal(s->servers[0].n_allow, 2);
	site_free(s);
	for (int pi = 0; pi < 2; pi++) {
		off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">\n"
				       "<server name=\"a\" daemon=\"vsftpd\"><allow>"
				       "<network>10.0.0.0/8</network>%s", pi ? "<?keep " : "<!--");
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off, "%s", run);
		off += (size_t)snprintf(xml + off, size - off, "%s</allow></server>\n</site>\n",
					pi ? "?>" : "-->");
		assert_true(off < size);
		s = expect_ok(state, xml);
		assert_int_equal(s->servers[0].n_allow, 1);
		site_free(s);
	}
	free(xml);
}

/* DESIGN: allowlists of 100 000 networks.  Indented, IPv6, that is over 4 MiB. */
static void test_site_many_networks(void **state)
{
	size_t n = 100000;
	size_t size = n * 64 + 256;
	char *xml = malloc(size);
	struct site *s = NULL;
	struct diag d;
	char buf[64];
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<site name=\"big\" version=\"1\">\n"
			       "  <server name=\"public\" daemon=\"vsftpd\">\n    <allow>\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, size - off,
					"      <network>2001:db8:%zx:%zx::/64</network>\n",
					i >> 12, i & 0xfff);
	off += (size_t)snprintf(xml + off, size - off, "    </allow>\n  </server>\n</site>\n");
	assert_true(off > 4u * 1024 * 1024);
	assert_true(off < SITE_MAX_BYTES);
	diag_init(&d);
	assert_int_equal(load_len(state, xml, off, &d, &s), 0);
	assert_int_equal(s->servers[0].n_allow, n);
	/* libxml2 read the first; the rest are plain lines (site.c). */
	assert_int_equal(s->n_plain, n - 1);
	assert_int_equal(site_net_format(&s->servers[0].allow[n - 1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8:18:69f::/64");
	assert_int_equal(s->servers[0].allow[n - 1].line, 4 + n);
	site_free(s);
	diag_release(&d);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_hostile_entities),
		cmocka_unit_test(test_site_hostile_plain_runs),
		cmocka_unit_test(test_site_hostile_doctype_line),
		cmocka_unit_test(test_site_hostile_undeclared_entity),
		cmocka_unit_test(test_site_hostile_control_chars),
		cmocka_unit_test(test_site_hostile_encoding),
		cmocka_unit_test(test_site_hostile_size),
		cmocka_unit_test(test_site_hostile_deep_nesting),
		cmocka_unit_test(test_site_hostile_many_attributes),
		cmocka_unit_test(test_site_hostile_flood_of_errors),
		cmocka_unit_test(test_site_hostile_text_pieces),
		cmocka_unit_test(test_site_hostile_long_values),
		cmocka_unit_test(test_site_hostile_xinclude),
		cmocka_unit_test(test_site_hostile_namespaces),
		cmocka_unit_test(test_site_hostile_pi_and_cdata),
		cmocka_unit_test(test_site_hostile_banner_too_long),
		cmocka_unit_test(test_site_many_networks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
