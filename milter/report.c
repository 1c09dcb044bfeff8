/*
 * report.c - JSON, header, reason and text forms of a verdict
 * (see report.h).
 */
#include <stdio.h>
#include <string.h>

#include "report.h"

/* How the reason names an element that is missing. */
static const char *const element_phrases[CARE_NELEMENTS] = {
	"an acknowledgment of the problem", "empathy", "a solution",
	"a follow-up invitation"
};
static const char *const issue_phrases[CARE_NISSUES] = {
	"uses a canned cliche", "apologises conditionally",
	"blames the customer", "makes excuses"
};

void
report_json_string(struct strbuf *out, const char *s)
{
	if (s == NULL) {
		sb_puts(out, "null");
		return;
	}
	sb_putc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': sb_puts(out, "\\\""); break;
		case '\\': sb_puts(out, "\\\\"); break;
		case '\n': sb_puts(out, "\\n"); break;
		case '\r': sb_puts(out, "\\r"); break;
		case '\t': sb_puts(out, "\\t"); break;
		default:
			if (c < 0x20)
				sb_printf(out, "\\u%04x", c);
			else
				sb_putc(out, (char)c);
		}
	}
	sb_putc(out, '"');
}

int
report_is_pass(const struct care_verdict *v)
{
	if (v->skip != CARE_SKIP_NONE || v->missing)
		return 0;
	for (int i = 0; i < CARE_NISSUES; i++)
		if (v->issues[i].present)
			return 0;
	return 1;
}

void
report_json(const struct care_verdict *v, const char *file, struct strbuf *out)
{
	int checked = v->skip == CARE_SKIP_NONE, first = 1;

	sb_puts(out, "{\"file\": ");
	report_json_string(out, file);
	sb_puts(out, ", \"message_id\": ");
	report_json_string(out, v->message_id);
	sb_printf(out, ", \"scope\": \"%s\", \"skip_reason\": ",
	    checked ? "checked" : "skipped");
	report_json_string(out, checked ? NULL : care_skip_name(v->skip));
	sb_puts(out, ", \"elements\": {");
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		const struct care_finding *f = &v->elements[e];
		int present = checked && f->present;

		sb_printf(out, "%s\"%s\": {\"present\": %s, \"evidence\": ",
		    e ? ", " : "", care_element_name(e), present ? "true" : "false");
		report_json_string(out, present ? f->evidence : NULL);
		sb_putc(out, '}');
	}
	sb_puts(out, "}, \"missing\": [");
	for (int e = 0; e < CARE_NELEMENTS; e++)
		if (checked && (v->missing & (1u << e))) {
			sb_printf(out, "%s\"%s\"", first ? "" : ", ", care_element_name(e));
			first = 0;
		}
	sb_puts(out, "], \"issues\": [");
	first = 1;
	for (int i = 0; i < CARE_NISSUES; i++)
		if (checked && v->issues[i].present) {
			sb_printf(out, "%s{\"kind\": \"%s\", \"evidence\": ",
			    first ? "" : ", ", care_issue_name(i));
			report_json_string(out, v->issues[i].evidence);
			sb_putc(out, '}');
			first = 0;
		}
	sb_printf(out, "], \"action\": \"%s\"}", care_action_name(v->action));
}

/* "a, b and c" */
static void
join_phrases(struct strbuf *out, const char *const *phrases, unsigned set, int n)
{
	int total = 0, k = 0;

	for (int i = 0; i < n; i++)
		total += (set >> i) & 1;
	for (int i = 0; i < n; i++) {
		if (!((set >> i) & 1))
			continue;
		if (k)
			sb_puts(out, k == total - 1 ? " and " : ", ");
		sb_puts(out, phrases[i]);
		k++;
	}
}

static unsigned
issue_set(const struct care_verdict *v)
{
	unsigned set = 0;

	for (int i = 0; i < CARE_NISSUES; i++)
		if (v->issues[i].present)
			set |= 1u << i;
	return set;
}

static const char *
element_name_cb(int i)
{
	return care_element_name((enum care_element)i);
}

static const char *
issue_name_cb(int i)
{
	return care_issue_name((enum care_issue)i);
}

void
report_names(struct strbuf *out, unsigned set, int issues)
{
	int n = issues ? CARE_NISSUES : CARE_NELEMENTS, first = 1;
	const char *(*name)(int) = issues ? issue_name_cb : element_name_cb;

	for (int i = 0; i < n; i++)
		if (set & (1u << i)) {
			sb_printf(out, "%s%s", first ? "" : ",", name(i));
			first = 0;
		}
}

void
report_header(const struct care_verdict *v, struct strbuf *out)
{
	unsigned issues = issue_set(v);

	sb_puts(out, report_is_pass(v) ? "pass" : "fail");
	if (v->missing) {
		sb_puts(out, "; missing=");
		report_names(out, v->missing, 0);
	}
	if (issues) {
		sb_puts(out, "; issues=");
		report_names(out, issues, 1);
	}
	sb_printf(out, "; action=%s", care_action_name(v->action));
}

void
report_reason(const struct care_verdict *v, struct strbuf *out)
{
	unsigned issues = issue_set(v);

	if (v->missing) {
		sb_puts(out, "reply lacks ");
		join_phrases(out, element_phrases, v->missing, CARE_NELEMENTS);
	}
	if (issues) {
		sb_puts(out, v->missing ? "; it " : "reply ");
		join_phrases(out, issue_phrases, issues, CARE_NISSUES);
	}
	if (!v->missing && !issues)
		sb_puts(out, "reply passes");
}

void
report_text(const struct care_verdict *v, const char *file, struct strbuf *out)
{
	sb_printf(out, "%s: %s", file ? file : "-", care_action_name(v->action));
	if (v->skip != CARE_SKIP_NONE) {
		sb_printf(out, " (skipped: %s)\n", care_skip_name(v->skip));
		return;
	}
	sb_puts(out, " (");
	report_reason(v, out);
	sb_puts(out, ")\n");
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		const struct care_finding *f = &v->elements[e];

		sb_printf(out, "  %-15s %s", care_element_name(e), f->present ? "yes" : "no");
		if (f->present)
			sb_printf(out, "  \"%s\"", f->evidence);
		sb_putc(out, '\n');
	}
	for (int i = 0; i < CARE_NISSUES; i++)
		if (v->issues[i].present)
			sb_printf(out, "  issue %-9s \"%s\"\n", care_issue_name(i),
			    v->issues[i].evidence);
	if (v->truncated)
		sb_puts(out, "  (text cut at MaxScanBytes)\n");
}
