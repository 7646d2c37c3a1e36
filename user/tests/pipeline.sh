# pipeline.sh - the shell test booted as init=/bin/sh -- /tests/pipeline.sh.
# Runs pipelines, redirections, && and ; through the real shell; the
# harness checks the output lines (tests/harness.py, boot "shell").
echo one two three | cat | cat > /tmp/f; cat /tmp/f
echo appended >> /tmp/f && cat < /tmp/f | cat
false && echo "must not print" ; echo "status after false: $?"
echo UTEST PASS shell/pipeline_script_ran
echo UTEST DONE shell 1 passed, 0 failed
