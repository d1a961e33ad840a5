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
#   6      `minidraw attention-demo`: the wide and the zoomed grid, Tutorial/figures/attention-*/, and
#          each of the window's five numbers swept on its own, Tutorial/figures/attention-sweep/
#   8      nothing: Tutorial/figures/unrolled-graph.svg is written by hand (it is a diagram, not an
#          output); edit the SVG text itself
#   9      `minidraw sample` from runs/small: Tutorial/figures/samples/
#   10     two 300-step training runs, runs/tutorial-read2 and runs/tutorial-read5 (about a minute
#          each on two cores), whose logs fill the <!-- recorded: ... --> blocks, and their
#          curves from `minidraw plot`: Tutorial/figures/plateau-read2/, plateau-read5/
#   12     nothing: its pictures are the README's, Data/experiments/color-*.png
#   13     `minidraw classify`, 1,800 steps (about two minutes of CPU): its log fills the recorded block,
#          its glimpses.png becomes Tutorial/figures/cluttered-g4-glimpses.png
#   14     `minidraw drawing-order` on the shipped two-digit model: its output fills the recorded block
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
# Chapter 6: each of the five numbers of a window swept on its own, the others at
# g = (14.5, 14.5), delta 3, sigma 1, gamma 1 (attention-demo's defaults), 5 x 5 on test image 0.
# (keep_only sets `name`, so the parameter is `swept`.)
sweep() {
    swept=$1
    shift
    for value in "$@"; do
        run_minidraw attention-demo --index 0 --grid 5 "--$swept" "$value" --scale 4 --png \
            --out "$figures/attention-sweep/$swept-$value" --overwrite
        keep_only "$figures/attention-sweep/$swept-$value" original.png glimpse.png
    done
}
sweep center-x 8 14.5 21
sweep center-y 8 14.5 21
sweep stride 1 3 6
sweep sigma 0.5 1 3
sweep gamma 0.5 1 2

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

# Chapter 13: the glimpse classifier leaving its plateau (the log without elapsed_seconds,
# images_per_second and gradient_norm).
# shellcheck disable=SC2086
run_minidraw classify --glimpses 4 --steps 1800 --eval-every 180 --log-every 180 --out runs/tutorial/cluttered-g4 --overwrite $data_option > /dev/null
cp runs/tutorial/cluttered-g4/glimpses.png "$figures/cluttered-g4-glimpses.png"
cut -d, -f1,2,4-7 runs/tutorial/cluttered-g4/log.csv > "$figures/.log.txt"
splice Tutorial/13-cluttered-mnist-classification.md \
    "recorded: minidraw classify --glimpses 4 --steps 1800 --eval-every 180 --log-every 180 --out runs/tutorial/cluttered-g4" \
    "$figures/.log.txt"
rm -f "$figures/.log.txt"

# Chapter 14: the drawing order of the shipped two-digit model.
# shellcheck disable=SC2086
run_minidraw drawing-order --images 200 --samples 200 $data_option > "$figures/.order.txt"
splice Tutorial/14-two-digits-and-drawing-order.md "recorded: minidraw drawing-order --images 200 --samples 200" "$figures/.order.txt"
rm -f "$figures/.order.txt"

# Chapter 9: samples from the trained small model.
if ! trained runs/small; then
    # shellcheck disable=SC2086
    run_minidraw train --out runs/small --overwrite $data_option
fi
run_minidraw sample --checkpoint runs/small --count 16 --seed 1 --png --gif --boxes --out Tutorial/figures/samples --overwrite
keep_only "$figures/samples" drawing-boxes.gif final.png

echo "figures and outputs regenerated; check them with: swift test --filter TutorialTests"
