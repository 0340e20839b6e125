//! Reading a QR code with a camera (a kiosk without a scanner, or whose
//! scanner broke): `getUserMedia` into the page's `<video>`, a frame drawn
//! onto a canvas when asked, and quircs (a port of quirc, compiled into the kiosk's chunk only)
//! to find and decode the code. Browser APIs through `crate::js`.

use js_sys::{JSON, Uint8Array};
use wasm_bindgen::JsValue;

use crate::js;

/// A camera shown in `video`, until [`Camera::stop`].
pub struct Camera {
    stream: JsValue,
    video: JsValue,
    canvas: JsValue,
}

impl Camera {
    /// Asks for the camera (the browser asks the user once) and plays it in
    /// `video`.
    pub async fn start(video: JsValue) -> Result<Camera, JsValue> {
        let navigator = js::get(&js::global(), "navigator")?;
        let devices = js::get(&navigator, "mediaDevices")?;
        if devices.is_undefined() {
            return Err(JsValue::from_str("no camera API"));
        }
        let wanted = JSON::parse(r#"{"audio":false,"video":{"facingMode":"user"}}"#)?;
        let stream = js::call_async(&devices, "getUserMedia", &[&wanted]).await?;
        js_sys::Reflect::set(&video, &"srcObject".into(), &stream)?;
        js::call_async(&video, "play", &[]).await?;
        let document = js::get(&js::global(), "document")?;
        let canvas = js::call(&document, "createElement", &[&"canvas".into()])?;
        Ok(Camera {
            stream,
            video,
            canvas,
        })
    }

    /// The text of a QR code in the current frame, if there is one.
    pub fn read(&self) -> Option<String> {
        let size = |name| js::get(&self.video, name).ok()?.as_f64();
        let (w, h) = (size("videoWidth")?, size("videoHeight")?);
        if w < 1.0 || h < 1.0 {
            return None;
        }
        js_sys::Reflect::set(&self.canvas, &"width".into(), &w.into()).ok()?;
        js_sys::Reflect::set(&self.canvas, &"height".into(), &h.into()).ok()?;
        let options = JSON::parse(r#"{"willReadFrequently":true}"#).ok()?;
        let ctx = js::call(&self.canvas, "getContext", &[&"2d".into(), &options]).ok()?;
        let zero = JsValue::from_f64(0.0);
        js::call(&ctx, "drawImage", &[&self.video, &zero, &zero]).ok()?;
        let image = js::call(&ctx, "getImageData", &[&zero, &zero, &w.into(), &h.into()]).ok()?;
        let data = js::get(&image, "data").ok()?;
        let rgba = Uint8Array::new(&js::get(&data, "buffer").ok()?).to_vec();
        decode(&rgba, w as usize, h as usize)
    }

    /// Turns the camera off (its light too).
    pub fn stop(&self) {
        let Ok(tracks) = js::call(&self.stream, "getTracks", &[]) else {
            return;
        };
        let tracks: js_sys::Array = wasm_bindgen::JsCast::unchecked_into(tracks);
        for t in tracks.iter() {
            let _ = js::call(&t, "stop", &[]);
        }
        let _ = js_sys::Reflect::set(&self.video, &"srcObject".into(), &JsValue::NULL);
    }
}

/// Finds and decodes a QR code in an RGBA frame.
pub fn decode(rgba: &[u8], w: usize, h: usize) -> Option<String> {
    if rgba.len() < w * h * 4 {
        return None;
    }
    let luma: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29) >> 8) as u8)
        .collect();
    let mut quirc = quircs::Quirc::default();
    quirc
        .identify(w, h, &luma)
        .filter_map(Result::ok)
        .find_map(|code| {
            let data = code.decode().ok()?;
            String::from_utf8(data.payload).ok()
        })
}
