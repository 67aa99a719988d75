s0:
  test.fail_with_changes:
    - listen_in:
      - s1
s1:
  test.succeed_without_changes:
    - order: 10
s2:
  test.fail_without_changes:
    - onfail_all:
      - s3
s3:
  test.succeed_without_changes:
    - names:
      - s3_a
      - s3_b
    - order: 2
    - onfail_any:
      - s4
s4:
  test.succeed_with_changes:
    - onchanges:
      - s3
      - test: s2
