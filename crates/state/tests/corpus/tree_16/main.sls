include:
  - lib
extend:
  lib_one_2:
    test:
      - comment: extended
main_0:
  test.succeed_with_changes:
    - names:
      - main_0_x
      - main_0_y:
        - comment: y
    - listen:
      - main_2
main_1:
  test.fail_without_changes:
    - comment: plain
main_2:
  cmd.run:
    - name: echo main_2
    - unless: 'false'
    - watch_in:
      - main_1
