s0:
  test.fail_with_changes:
    - order: 1
    - require:
      - test: s3
      - test: s7
s1:
  test.fail_with_changes:
    - watch_any:
      - test: s4
    - watch_any:
      - s4
s2:
  test.succeed_with_changes:
    - comment: plain
s3:
  test.succeed_without_changes:
    - listen:
      - test: s6
s4:
  test.succeed_with_changes:
    - listen_in:
      - s3
s5:
  test.succeed_with_changes:
    - names:
      - s5_a
      - s5_b
    - order: 1
    - require_in:
      - test: s3
      - test: s0
s6:
  test.succeed_without_changes:
    - onchanges_in:
      - s4
      - test: s3
    - listen:
      - test: s0
s7:
  test.succeed_without_changes:
    - require_any:
      - test: s2
      - s6
