{% from "common/tplinfo.jinja" import info %}
{% from "common/tplinfo.jinja" import info as info2 with context %}
{% import "common/tplinfo.jinja" as m %}
tplctx:
  test.nop:
    - without: "{{ info }}"
    - with: "{{ info2 }}"
    - imported: "{{ m.info }}"
    - here: "{{ tpldir }}|{{ tplfile }}"
