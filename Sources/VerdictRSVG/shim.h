// librsvg (which draws with cairo) paints the SVG charts as PNG images for mail.
#include <librsvg/rsvg.h>
#include <cairo.h>
