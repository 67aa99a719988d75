unless_true:
  cmd.run:
    - name: echo should not run
    - unless: 'true'
unless_false:
  cmd.run:
    - name: echo ran because unless false
    - unless: 'false'
onlyif_true:
  cmd.run:
    - name: echo ran because onlyif true
    - onlyif: 'true'
onlyif_false:
  cmd.run:
    - name: echo should not run
    - onlyif:
      - 'true'
      - 'false'
creates_exists:
  cmd.run:
    - name: echo should not run
    - creates: /etc/passwd
creates_list_missing:
  cmd.run:
    - name: echo ran because file missing
    - creates:
      - /etc/passwd
      - /nonexistent/file
test_state_onlyif:
  test.succeed_with_changes:
    - onlyif: 'false'
both:
  test.succeed_with_changes:
    - onlyif: 'true'
    - unless: 'false'
watch_skipped:
  test.nop:
    - watch:
      - unless_true
stateful_cmd:
  cmd.run:
    - name: echo; echo "changed=yes comment='stateful said so'"
    - stateful: True
