include:
  - lib
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  cmd.run:
    - name: echo main_0
    - unless: 'false'
    - prereq:
      - lib_two_0
    - onfail:
      - lib_one_2
main_1:
  test.succeed_with_changes:
    - listen:
      - lib_1
    - watch_in:
      - lib_0
main_2:
  test.succeed_with_changes:
    - watch_in:
      - lib_one_2
    - listen:
      - lib_one_1
