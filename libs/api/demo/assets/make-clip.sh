#!/bin/sh
# Remakes the demo stream's looping clip (clip.webm) and its thumbnails (thumbnail-N.jpg) with
# Debian's ffmpeg (5.1: libvpx, libopus, drawtext with the DejaVu fonts). Run it from anywhere;
# the output is committed, nothing is made at install or build time.
#
# 12 s, 640x360 at 25 fps, VP8 ~300 kbit/s with a keyframe every second (frame 0 included, so each
# loop and each new viewer starts on one) and no hidden alt-ref frames; mono Opus 24 kbit/s in
# 20 ms packets. The text sits top right: the web app's card puts its LIVE badge top left and the
# viewer count bottom left. Every moving part (the chart's scroll, the quote, the melody) has a period that
# divides 12 s, so the loop is seamless.
set -eu
cd "$(dirname "$0")"
D=12
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
MONO=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf

# The "price": a sum of sines scrolling left, periodic in T over $D s.
P="(200-70*sin(2*PI*(X/640*2+T/$D))-28*sin(2*PI*(X/640*5+2*T/$D))-10*sin(2*PI*(X/640*13+3*T/$D)))"
GRID="(lt(mod(X,80),1)+lt(mod(Y,60),1))"
LINE="lt(abs(Y-$P),2.5)"
AREA="gt(Y,$P)"

# A pentatonic arpeggio, one note every 0.5 s (24 notes per loop), each note decaying.
NOTE="st(0,floor(mod(t*2,8)));st(1,if(eq(ld(0),0),0,if(eq(ld(0),1),3,if(eq(ld(0),2),5,if(eq(ld(0),3),7,if(eq(ld(0),4),10,if(eq(ld(0),5),12,if(eq(ld(0),6),10,7))))))))"
MELODY="$NOTE;0.35*exp(-5*mod(t,0.5))*sin(2*PI*mod(t,0.5)*440*pow(2,ld(1)/12))"

ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "color=c=0x0b1220:s=640x360:r=25:d=$D,format=gbrp" \
  -f lavfi -i "aevalsrc=exprs='$MELODY':s=48000:d=$D" \
  -filter_complex "[0:v]geq=\
r='if($LINE,60,if($AREA,8+6*(Y-$P)/360,11+22*$GRID))':\
g='if($LINE,230,if($AREA,40-20*(Y-$P)/360,18+22*$GRID))':\
b='if($LINE,120,if($AREA,22,32+22*$GRID))',format=yuv420p,\
drawtext=fontfile=$FONT:text='finserve-live demo':x=w-tw-20:y=18:fontsize=26:fontcolor=white,\
drawtext=fontfile=$MONO:text='EUR/USD  1.08%{eif\:50+40*sin(2*PI*t/$D)+9*sin(2*PI*4*t/$D)\:d\:2}':x=w-tw-20:y=54:fontsize=22:fontcolor=0x3ce678[v]" \
  -map '[v]' -map 1:a \
  -c:v libvpx -b:v 300k -maxrate 400k -bufsize 600k -g 25 -keyint_min 25 -auto-alt-ref 0 \
  -lag-in-frames 0 -deadline good -cpu-used 1 \
  -c:a libopus -b:a 24k -ac 1 -frame_duration 20 -application audio \
  -t $D clip.webm

# Stills for the home page card: one frame every 3 s, 480x270 like the studio's uploads.
rm -f thumbnail-*.jpg
ffmpeg -hide_banner -loglevel error -y -i clip.webm -vf "fps=1/3,scale=480:270" -q:v 5 \
  -frames:v 4 thumbnail-%d.jpg
