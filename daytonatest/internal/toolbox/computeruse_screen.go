package toolbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"strings"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// Screenshots, display info and windows. The screen is captured with
// ImageMagick's import as PNG; cropping, the cursor, scaling and encoding
// happen here.

// shotRequest is what the four screenshot routes ask for.
type shotRequest struct {
	region     *image.Rectangle // nil for the full screen
	showCursor bool
	format     string  // "png" or "jpeg"
	quality    int     // JPEG quality, 1..100
	scale      float64 // 0.1..1
}

// compressed fills the format, quality and scale of a compressed
// screenshot: quality 85 and scale 1 unless valid values are given (the
// daemon ignores out-of-range ones), PNG unless JPEG is asked for.
func (r *shotRequest) compressed(format *string, quality *int, scale *float32) error {
	r.quality, r.scale = 85, 1
	if q := deref(quality); q >= 1 && q <= 100 {
		r.quality = q
	}
	if s := float64(deref(scale)); s >= 0.1 && s <= 1 {
		r.scale = s
	}
	switch strings.ToLower(deref(format)) {
	case "", "png":
		r.format = "png"
	case "jpeg", "jpg":
		r.format = "jpeg"
	default:
		return fieldError(http.StatusBadRequest, "unsupported image format: "+deref(format)+" (png or jpeg)")
	}
	return nil
}

// regionOf checks a region's size.
func regionOf(x, y, w, h int) (*image.Rectangle, error) {
	if w <= 0 || h <= 0 {
		return nil, fieldError(http.StatusBadRequest, "invalid screenshot region: width and height must be greater than zero")
	}
	r := image.Rect(x, y, x+w, y+h)
	return &r, nil
}

// screenshot captures the screen and builds the answer: the image in
// base64, the pointer position (absolute, as the daemon reports it) and
// the encoded size.
func (u *computerUse) screenshot(ctx context.Context, t cuTools, req shotRequest) (tbserver.ScreenshotResponse, error) {
	d, err := u.display()
	if err != nil {
		return tbserver.ScreenshotResponse{}, err
	}
	raw, err := u.c.runTool(ctx, t.importer, map[string]string{"DISPLAY": d}, "-silent", "-window", "root", "png:-")
	if err != nil {
		return tbserver.ScreenshotResponse{}, fieldError(http.StatusBadRequest, err.Error())
	}
	src, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return tbserver.ScreenshotResponse{}, fieldError(http.StatusBadRequest, "decoding the capture: "+err.Error())
	}
	px, py, err := u.mousePosition(ctx, t)
	if err != nil {
		return tbserver.ScreenshotResponse{}, err
	}
	area := src.Bounds()
	if req.region != nil {
		area = req.region.Intersect(area)
		if area.Empty() {
			return tbserver.ScreenshotResponse{}, fieldError(http.StatusBadRequest, "invalid screenshot region: outside the screen")
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, area.Dx(), area.Dy()))
	draw.Draw(img, img.Bounds(), src, area.Min, draw.Src)
	if req.showCursor {
		drawPointer(img, px-area.Min.X, py-area.Min.Y)
	}
	out := image.Image(img)
	if req.scale > 0 && req.scale < 1 {
		out = downscale(img, req.scale)
	}
	var buf bytes.Buffer
	if req.format == "jpeg" {
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: req.quality})
	} else {
		err = png.Encode(&buf, out)
	}
	if err != nil {
		return tbserver.ScreenshotResponse{}, fieldError(http.StatusBadRequest, "encoding the screenshot: "+err.Error())
	}
	size := buf.Len()
	return tbserver.ScreenshotResponse{
		Screenshot:     ptrTo(base64.StdEncoding.EncodeToString(buf.Bytes())),
		CursorPosition: &tbserver.Position{X: &px, Y: &py},
		SizeBytes:      &size,
	}, nil
}

// pointerShape is an arrow, one row per string: '#' outline, '.' fill.
var pointerShape = []string{
	"#",
	"##",
	"#.#",
	"#..#",
	"#...#",
	"#....#",
	"#.....#",
	"#......#",
	"#.......#",
	"#........#",
	"#.....#####",
	"#..#..#",
	"#.# #..#",
	"##  #..#",
	"#    #..#",
	"     #..#",
	"      ##",
}

// drawPointer draws the arrow with its tip at (x, y), clipped to img.
func drawPointer(img *image.RGBA, x, y int) {
	for dy, row := range pointerShape {
		for dx, c := range row {
			var col color.RGBA
			switch c {
			case '#':
				col = color.RGBA{A: 255}
			case '.':
				col = color.RGBA{R: 255, G: 255, B: 255, A: 255}
			default:
				continue
			}
			if p := image.Pt(x+dx, y+dy); p.In(img.Rect) {
				img.SetRGBA(p.X, p.Y, col)
			}
		}
	}
}

// downscale shrinks img by factor s (0 < s < 1), averaging the source
// pixels that fall in each destination pixel.
func downscale(img *image.RGBA, s float64) *image.RGBA {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := max(1, int(float64(sw)*s+0.5)), max(1, int(float64(sh)*s+0.5))
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		y0, y1 := y*sh/dh, max((y+1)*sh/dh, y*sh/dh+1)
		for x := range dw {
			x0, x1 := x*sw/dw, max((x+1)*sw/dw, x*sw/dw+1)
			var r, g, b, a, n int
			for sy := y0; sy < y1; sy++ {
				i := img.PixOffset(x0, sy)
				for sx := x0; sx < x1; sx++ {
					r += int(img.Pix[i])
					g += int(img.Pix[i+1])
					b += int(img.Pix[i+2])
					a += int(img.Pix[i+3])
					i += 4
					n++
				}
			}
			dst.SetRGBA(x, y, color.RGBA{R: uint8(r / n), G: uint8(g / n), B: uint8(b / n), A: uint8(a / n)})
		}
	}
	return dst
}

// TakeScreenshot serves GET /computeruse/screenshot (PNG).
func (h computerUseHandlers) TakeScreenshot(ctx context.Context, req tbserver.TakeScreenshotRequestObject) (tbserver.TakeScreenshotResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	shot, err := h.u.screenshot(ctx, t, shotRequest{showCursor: deref(req.Params.ShowCursor), format: "png"})
	if err != nil {
		return nil, err
	}
	return tbserver.TakeScreenshot200JSONResponse(shot), nil
}

// TakeRegionScreenshot serves GET /computeruse/screenshot/region (PNG).
func (h computerUseHandlers) TakeRegionScreenshot(ctx context.Context, req tbserver.TakeRegionScreenshotRequestObject) (tbserver.TakeRegionScreenshotResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	p := req.Params
	region, err := regionOf(p.X, p.Y, p.Width, p.Height)
	if err != nil {
		return nil, err
	}
	shot, err := h.u.screenshot(ctx, t, shotRequest{region: region, showCursor: deref(p.ShowCursor), format: "png"})
	if err != nil {
		return nil, err
	}
	return tbserver.TakeRegionScreenshot200JSONResponse(shot), nil
}

// TakeCompressedScreenshot serves GET /computeruse/screenshot/compressed.
func (h computerUseHandlers) TakeCompressedScreenshot(ctx context.Context, req tbserver.TakeCompressedScreenshotRequestObject) (tbserver.TakeCompressedScreenshotResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	p := req.Params
	sr := shotRequest{showCursor: deref(p.ShowCursor)}
	if err := sr.compressed(p.Format, p.Quality, p.Scale); err != nil {
		return nil, err
	}
	shot, err := h.u.screenshot(ctx, t, sr)
	if err != nil {
		return nil, err
	}
	return tbserver.TakeCompressedScreenshot200JSONResponse(shot), nil
}

// TakeCompressedRegionScreenshot serves GET
// /computeruse/screenshot/region/compressed.
func (h computerUseHandlers) TakeCompressedRegionScreenshot(ctx context.Context, req tbserver.TakeCompressedRegionScreenshotRequestObject) (tbserver.TakeCompressedRegionScreenshotResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	p := req.Params
	region, err := regionOf(p.X, p.Y, p.Width, p.Height)
	if err != nil {
		return nil, err
	}
	sr := shotRequest{region: region, showCursor: deref(p.ShowCursor)}
	if err := sr.compressed(p.Format, p.Quality, p.Scale); err != nil {
		return nil, err
	}
	shot, err := h.u.screenshot(ctx, t, sr)
	if err != nil {
		return nil, err
	}
	return tbserver.TakeCompressedRegionScreenshot200JSONResponse(shot), nil
}

// screenSize reads the display's size.
func (u *computerUse) screenSize(ctx context.Context, t cuTools) (w, h int, err error) {
	out, err := u.xdo(ctx, t, "getdisplaygeometry")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(out)
	if len(f) == 2 {
		w, err1 := strconv.Atoi(f[0])
		h, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			return w, h, nil
		}
	}
	return 0, 0, fieldError(http.StatusBadRequest, "unexpected display geometry: "+strings.TrimSpace(out))
}

// GetDisplayInfo serves GET /computeruse/display/info: Xvfb has one
// screen, at the origin.
func (h computerUseHandlers) GetDisplayInfo(ctx context.Context, _ tbserver.GetDisplayInfoRequestObject) (tbserver.GetDisplayInfoResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	w, hgt, err := h.u.screenSize(ctx, t)
	if err != nil {
		return nil, err
	}
	displays := []tbserver.DisplayInfo{{ID: ptrTo(0), X: ptrTo(0), Y: ptrTo(0), Width: &w, Height: &hgt, IsActive: ptrTo(true)}}
	return tbserver.GetDisplayInfo200JSONResponse{Displays: &displays}, nil
}

// GetWindows serves GET /computeruse/display/windows: the visible
// top-level windows, with their titles and geometry; the active one has
// the input focus.
func (h computerUseHandlers) GetWindows(ctx context.Context, _ tbserver.GetWindowsRequestObject) (tbserver.GetWindowsResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	windows := []tbserver.WindowInfo{}
	root, err := h.u.xdo(ctx, t, "search", "--maxdepth", "0", "--name", "")
	if err != nil {
		return nil, err
	}
	// search exits 1 when nothing matches: an empty list, not an error.
	ids, _ := h.u.xdo(ctx, t, "search", "--maxdepth", "1", "--onlyvisible", "--name", "")
	focus, _ := h.u.xdo(ctx, t, "getwindowfocus", "-f")
	for _, id := range strings.Fields(ids) {
		if id == strings.TrimSpace(root) {
			continue
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			continue
		}
		title, err := h.u.xdo(ctx, t, "getwindowname", id)
		if err != nil {
			continue // the window went away
		}
		geo, err := h.u.xdo(ctx, t, "getwindowgeometry", "--shell", id)
		if err != nil {
			continue
		}
		v := shellValues(geo)
		windows = append(windows, tbserver.WindowInfo{
			ID: &n, Title: ptrTo(strings.TrimRight(title, "\n")), X: ptrTo(v["X"]), Y: ptrTo(v["Y"]),
			Width: ptrTo(v["WIDTH"]), Height: ptrTo(v["HEIGHT"]), IsActive: ptrTo(strings.TrimSpace(focus) == id),
		})
	}
	return tbserver.GetWindows200JSONResponse{Windows: &windows}, nil
}
