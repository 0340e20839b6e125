use leptos::prelude::*;

/// A labelled text input bound to a signal; the label is the children, so
/// screen readers and `getByLabel` find the field by its visible name.
#[component]
pub fn TextField(
    name: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = 64)] max: u32,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    children: Children,
) -> impl IntoView {
    let inputmode = (kind == "tel").then_some("tel");
    view! {
        <label class="field-row">
            <span>{children()}</span>
            <input
                type=kind
                name=name
                maxlength=max.to_string()
                inputmode=inputmode
                autocomplete=autocomplete
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}
