{% set base = opts['cachedir'] ~ '/play' %}
setup:
  cmd.run:
    - name: mkdir -p {{ base }}/dir/sub && touch {{ base }}/file {{ base }}/dir/sub/x && ln -sf {{ base }}/file {{ base }}/link

gone_file:
  file.absent:
    - name: {{ base }}/file
    - require:
      - cmd: setup

gone_link:
  file.absent:
    - name: {{ base }}/link
    - require:
      - file: gone_file

gone_dir:
  file.absent:
    - name: {{ base }}/dir
    - require:
      - cmd: setup

never_there:
  file.absent:
    - name: {{ base }}/nothing

relative:
  file.absent:
    - name: relative/path

slash:
  file.absent:
    - name: /

cachedir_exists:
  file.exists:
    - name: {{ opts['cachedir'] }}

removed_is_missing:
  file.missing:
    - name: {{ base }}/file
    - require:
      - file: gone_file

exists_fails:
  file.exists:
    - name: {{ base }}/nope

missing_fails:
  file.missing:
    - name: {{ opts['cachedir'] }}

touch_new:
  file.touch:
    - name: {{ base }}/touched/new
    - makedirs: True

touch_times:
  file.touch:
    - name: {{ base }}/touched/new
    - atime: 1000000000
    - mtime: 1000000000
    - require:
      - file: touch_new

touch_no_dir:
  file.touch:
    - name: {{ base }}/no/such/dir/file

touch_relative:
  file.touch:
    - name: relative/file
