/**
 * #/set-password/<token>: a person sets their password with the one-time link an admin gave them
 * (online only; nobody needs to be signed in). The password is typed twice; a mismatch or a
 * missing field is said beside the field without asking the server, the server's field messages
 * beside their inputs, a link that cannot be used above the button; all in live regions. Success
 * replaces the form with a message and a link to sign in.
 */
import { post } from '../api.js';
import { h } from '../ui.js';

const TITLE = 'Set your password';
const MIN_LENGTH = 10;

function field(name, label, hint) {
  return h('div', { class: 'field' },
    h('label', { for: name }, label),
    hint ? h('p', { id: `${name}-hint`, class: 'muted' }, hint) : null,
    h('input', { id: name, name, type: 'password', autocomplete: 'new-password', required: true,
      minlength: String(MIN_LENGTH), 'aria-describedby': `${hint ? `${name}-hint ` : ''}${name}-error` }),
    h('p', { id: `${name}-error`, class: 'field-error', 'aria-live': 'polite' }));
}

export async function render(main, params) {
  document.title = `${TITLE} · Rounds`;
  const token = params[0] || '';
  const message = h('p', { id: 'set-password-message', class: 'message', 'aria-live': 'assertive' });
  const button = h('button', { class: 'button primary', type: 'submit' }, 'Set password');
  const form = h('form', { id: 'set-password-form', novalidate: true },
    field('password', 'New password', `At least ${MIN_LENGTH} characters.`),
    field('confirm', 'New password again'),
    message, button);
  const card = h('section', { class: 'card', 'aria-labelledby': 'page-heading' },
    h('h1', { id: 'page-heading' }, TITLE), form);
  main.append(h('div', { class: 'page' }, card));

  const setFieldError = (name, text) => {
    main.querySelector(`#${name}-error`).textContent = text;
    if (text) form.elements[name].setAttribute('aria-invalid', 'true');
    else form.elements[name].removeAttribute('aria-invalid');
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError('password', '');
    setFieldError('confirm', '');
    message.textContent = '';
    const password = form.elements.password.value;
    if (password.length < MIN_LENGTH) {
      setFieldError('password', `Use at least ${MIN_LENGTH} characters.`);
      form.elements.password.focus();
      return;
    }
    if (form.elements.confirm.value !== password) {
      setFieldError('confirm', 'The two passwords differ; type the same password twice.');
      form.elements.confirm.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Setting password…';
    try {
      const answer = await post('/api/auth/password', { token, password });
      const done = h('p', { id: 'set-password-done', class: 'message', role: 'status' },
        `${answer.message} Your email: ${answer.email}.`);
      form.replaceWith(done, h('p', {}, h('a', { class: 'button primary', href: '#/signin' }, 'Sign in')));
    } catch (error) {
      const fields = error.fields || {};
      if (error.code === 'invalid' && fields.password) {
        setFieldError('password', [].concat(fields.password).join(' '));
        form.elements.password.focus();
      } else {
        message.textContent = error.message;
      }
      button.disabled = false;
      button.textContent = 'Set password';
    }
  });
}
