/**
 * Sign in (#/signin), shown whenever no one is signed in on this tablet.
 *
 * `session.signIn(email, password)` logs in, enrols this tablet and runs the first sync; then the
 * person lands on Today (observers, district staff) or Feedback for me (people who are only
 * teachers). Missing fields are said beside them without asking the server; the server's field
 * messages appear beside their inputs, anything else above the button; all in live regions.
 */
import { signIn } from '../session.js';
import { h, homeOf } from '../ui.js';

const FIELD_PROMPTS = { email: 'Enter your email address.', password: 'Enter your password.' };

function field(name, label, attrs) {
  return h('div', { class: 'field' },
    h('label', { for: name }, label),
    h('input', { id: name, name, required: true, 'aria-describedby': `${name}-error`, ...attrs }),
    h('p', { id: `${name}-error`, class: 'field-error', 'aria-live': 'polite' }));
}

export async function render(main, params, ctx) {
  document.title = 'Sign in · Rounds';
  const message = h('p', { id: 'signin-message', class: 'message', 'aria-live': 'assertive' });
  const button = h('button', { id: 'signin-button', class: 'button primary', type: 'submit' }, 'Sign in');
  const form = h('form', { id: 'signin-form', novalidate: true },
    field('email', 'Email', { type: 'email', autocomplete: 'username', autocapitalize: 'none',
      spellcheck: 'false', inputmode: 'email' }),
    field('password', 'Password', { type: 'password', autocomplete: 'current-password' }),
    message, button);

  main.append(h('div', { class: 'page' },
    h('p', { class: 'brand-line' }, 'Classroom walkthrough notes and feedback, on any tablet, online or offline.'),
    h('section', { class: 'card', 'aria-labelledby': 'page-heading' },
      h('h1', { id: 'page-heading' }, 'Sign in'),
      form)));

  const setFieldError = (name, text) => {
    main.querySelector(`#${name}-error`).textContent = text;
    if (text) form.elements[name].setAttribute('aria-invalid', 'true');
    else form.elements[name].removeAttribute('aria-invalid');
  };
  const clearErrors = () => {
    for (const name of Object.keys(FIELD_PROMPTS)) setFieldError(name, '');
    message.textContent = '';
  };
  /** The server's field messages beside their inputs; false if none were for these fields. */
  const showFieldErrors = (fields) => {
    let shown = false;
    for (const name of Object.keys(FIELD_PROMPTS)) {
      const messages = [].concat(fields[name] || []);
      if (messages.length) {
        setFieldError(name, messages.join(' '));
        shown = true;
      }
    }
    return shown;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    const missing = Object.entries({ email, password }).filter(([, value]) => !value);
    if (missing.length) {
      for (const [name] of missing) setFieldError(name, FIELD_PROMPTS[name]);
      form.elements[missing[0][0]].focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      const me = await signIn(email, password);
      form.reset();
      ctx.navigate(homeOf(me.person));
    } catch (error) {
      if (!(error.code === 'invalid' && showFieldErrors(error.fields || {}))) {
        // The server's words say how long to wait, which depends on how the attempts were counted.
        message.textContent = error.message;
      }
      if (error.code === 'invalid_credentials') {
        form.elements.password.value = '';
        form.elements.password.focus();
      }
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
}
