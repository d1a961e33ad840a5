#!/bin/sh
# Regenerates the tutorial's figures and printed outputs with MiniDRAW's own commands.
#
# Usage, from the package root:
#
#     Tutorial/make-figures.sh            # reuse runs/ folders that are already complete
#     FORCE=1 Tutorial/make-figures.sh    # train every run again
#     SCRATCH_PATH=.build-mine Tutorial/make-figures.sh   # build with `swift build --scratch-path`
#
# What it does, chapter by chapter:
#
#   4, 5   reruns every `minidraw trace` whose output a chapter shows (<!-- output: ... --> blocks);
#          TutorialTests also recomputes these through the library, so they cannot drift unnoticed.
#   6      `minidraw attention-demo`: the wide and the zoomed grid, Tutorial/figures/attention-*/
#   9      `minidraw sample` from runs/small: Tutorial/figures/samples/
#   10     two 300-step training runs, runs/tutorial-read2 and runs/tutorial-read5 (about a minute
#          each on two cores), whose logs fill the <!-- recorded: ... --> blocks, and their
#          curves from `minidraw plot`: Tutorial/figures/plateau-read2/, plateau-read5/
#
# runs/small is the `small` preset trained with its defaults (2000 steps, about a quarter of an hour
# on two busy cores); it is trained only when runs/small holds no checkpoint. Every run is seeded,
# and training gives the same bits for any thread count, so the figures change only when the code does.
#
# Files the chapters do not link (netpbm originals, single frames) are removed afterwards.
#
# The chapters' own commands write under runs/ (git ignores it) and never replace a file. This script
# exists to replace the committed figures and runs, so it alone passes --overwrite.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
figures=Tutorial/figures

build_options="-c release ${SCRATCH_PATH:+--scratch-path $SCRATCH_PATH}"
# shellcheck disable=SC2086
swift build $build_options --product minidraw
# shellcheck disable=SC2086
minidraw="$(swift build $build_options --show-bin-path)/minidraw"

# The training split ships in Data/binarized-mnist; a checkout without it can use ../shared.
data_option=""
if [ ! -f Data/binarized-mnist/train-images-idx3-ubyte.gz ] && [ -d ../shared/data/binarized-mnist ]; then
    data_option="--data ../shared/data/binarized-mnist"
fi

# run_minidraw ARGS...: one project command, echoed first.
run_minidraw() {
    echo "+ minidraw $*" >&2
    "$minidraw" "$@"
}

# splice FILE MARKER CONTENT: replaces the fenced block after the line `<!-- MARKER -->` in FILE
# with the lines of the file CONTENT.
splice() {
    awk -v marker="<!-- $2 -->" -v content="$3" '
        skipping == 1 { if ($0 ~ /^```/) { while ((getline line < content) > 0) print line; close(content); print; skipping = 0 }; next }
        opening == 1 { print; opening = 0; skipping = 1; next }
        $0 == marker { print; opening = 1; next }
        { print }
    ' "$1" > "$1.tmp"
    mv "$1.tmp" "$1"
}

# trained RUN_DIR: true when RUN_DIR holds a complete checkpoint and FORCE is not set.
trained() {
    [ -z "${FORCE:-}" ] && ls "$1"/checkpoint-*.state.safetensors > /dev/null 2>&1
}

# keep_only DIR NAME...: removes every file of DIR except the NAMEs.
keep_only() {
    directory=$1
    shift
    for file in "$directory"/*; do
        name=$(basename "$file")
        case " $* " in *" $name "*) ;; *) rm -f "$file" ;; esac
    done
}

# Chapters 4 and 5: the traces.
for chapter in Tutorial/[0-9][0-9]-*.md; do
    grep '^<!-- output: minidraw trace.* -->$' "$chapter" > "$figures/.markers.txt" || true
    while read -r line; do
        command=${line#<!-- output: minidraw }
        command=${command% -->}
        # shellcheck disable=SC2086
        run_minidraw $command > "$figures/.trace.txt"
        splice "$chapter" "output: minidraw $command" "$figures/.trace.txt"
    done < "$figures/.markers.txt"
done
rm -f "$figures/.trace.txt" "$figures/.markers.txt"

# Chapter 6: attention grids placed by hand.
run_minidraw attention-demo --index 0 --grid 5 --stride 6.75 --sigma 1 --out Tutorial/figures/attention-wide --png --overwrite
run_minidraw attention-demo --index 0 --grid 5 --center-x 10 --center-y 16 --stride 1.5 --sigma 0.5 --out Tutorial/figures/attention-zoom --png --overwrite
for demo in attention-wide attention-zoom; do
    keep_only "$figures/$demo" original.png glimpse.png written.png filter-x.png filter-y.png
done

# Chapter 10: the KL plateau, a 2 x 2 and a 5 x 5 reader.
log_columns() { cut -d, -f1,3-6,8- "$1"; }
if ! trained runs/tutorial-read2; then
    # shellcheck disable=SC2086
    run_minidraw train --read-size 2 --steps 300 --log-every 20 --validate-every 0 --validation-images 500 --checkpoint-every 300 --out runs/tutorial-read2 --overwrite $data_option
fi
if ! trained runs/tutorial-read5; then
    # shellcheck disable=SC2086
    run_minidraw train --steps 300 --log-every 20 --validate-every 0 --validation-images 500 --checkpoint-every 300 --out runs/tutorial-read5 --overwrite $data_option
fi
log_columns runs/tutorial-read2/log.csv > "$figures/.log.txt"
splice Tutorial/10-training-for-real.md \
    "recorded: minidraw train --read-size 2 --steps 300 --log-every 20 --validate-every 0 --validation-images 500 --checkpoint-every 300 --out runs/tutorial-read2" \
    "$figures/.log.txt"
log_columns runs/tutorial-read5/log.csv > "$figures/.log.txt"
splice Tutorial/10-training-for-real.md \
    "recorded: minidraw train --steps 300 --log-every 20 --validate-every 0 --validation-images 500 --checkpoint-every 300 --out runs/tutorial-read5" \
    "$figures/.log.txt"
rm -f "$figures/.log.txt"
run_minidraw plot runs/tutorial-read2 --out Tutorial/figures/plateau-read2 --overwrite
run_minidraw plot runs/tutorial-read5 --out Tutorial/figures/plateau-read5 --overwrite

# Chapter 9: samples from the trained small model.
if ! trained runs/small; then
    # shellcheck disable=SC2086
    run_minidraw train --out runs/small --overwrite $data_option
fi
run_minidraw sample --checkpoint runs/small --count 16 --seed 1 --png --gif --boxes --out Tutorial/figures/samples --overwrite
keep_only "$figures/samples" drawing-boxes.gif final.png

echo "figures and outputs regenerated; check them with: swift test --filter TutorialTests"
